#!/bin/bash
#
# tests/integration/box_ussd_smpp.sh - kannel_ussd_smpp.sh with chabard as a box of
# bearerbox (box.h): no smsbox, every MO and report taken from bearerbox
# and acknowledged after its commit, every reply and outbound message sent
# back through the box. The same assertions, the other path.

here=$(cd "$(dirname "$0")" && pwd)
STACK_VIA_BOX=1 exec bash "$here/kannel_ussd_smpp.sh"
