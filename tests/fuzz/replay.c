/* Replays a fuzz target's corpus without libFuzzer: every regular file in
 * CORPUS_DIR goes to LLVMFuzzerTestOneInput once, reported as TAP. A crash
 * or sanitizer report fails the test program itself. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef CORPUS_DIR
#error "CORPUS_DIR must name the corpus directory"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_FILE_MAX (1024 * 1024)

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads path whole; NULL if it cannot be read or is too large. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	uint8_t *data = malloc(REPLAY_FILE_MAX + 1);
	size_t n = data ? fread(data, 1, REPLAY_FILE_MAX + 1, f) : 0;
	int failed = ferror(f) || n > REPLAY_FILE_MAX;
	fclose(f);
	if (!data || failed) {
		free(data);
		return NULL;
	}
	*size = n;
	return data;
}

int main(void)
{
	int count = 0, failures = 0;
	DIR *dir = opendir(CORPUS_DIR);
	if (!dir) {
		printf("not ok 1 - corpus directory %s cannot be opened\n1..1\n", CORPUS_DIR);
		return 1;
	}
	char **names = NULL;
	size_t name_count = 0, name_cap = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		if (name_count == name_cap) {
			name_cap = name_cap ? name_cap * 2 : 64;
			char **more = realloc(names, name_cap * sizeof *names);
			if (!more) {
				printf("Bail out! out of memory\n");
				return 1;
			}
			names = more;
		}
		names[name_count] = strdup(e->d_name);
		if (!names[name_count]) {
			printf("Bail out! out of memory\n");
			return 1;
		}
		name_count++;
	}
	closedir(dir);
	/* Sorted, so test numbers stay stable between runs. */
	if (name_count)
		qsort(names, name_count, sizeof *names, compare_names);

	for (size_t i = 0; i < name_count; i++) {
		char path[4096];
		struct stat st;
		int n = snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, names[i]);
		if (n < 0 || (size_t)n >= sizeof path || stat(path, &st) < 0 ||
		    !S_ISREG(st.st_mode)) {
			free(names[i]);
			continue;
		}
		size_t size = 0;
		uint8_t *data = read_file(path, &size);
		if (!data) {
			printf("not ok %d - %s cannot be read\n", ++count, names[i]);
			failures++;
		} else {
			fflush(stdout);
			LLVMFuzzerTestOneInput(data, size);
			free(data);
			printf("ok %d - %s\n", ++count, names[i]);
		}
		fflush(stdout);
		free(names[i]);
	}
	free(names);
	if (count == 0) {
		printf("not ok 1 - corpus directory %s holds no inputs\n", CORPUS_DIR);
		count = 1;
		failures++;
	}
	printf("1..%d\n", count);
	return failures ? 1 : 0;
}
