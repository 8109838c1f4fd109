// elfutils 0.192's static libelf.a references eu_search_tree_init/fini but leaves out the object that
// defines them (lib/eu-search.o; sourceware bug 32293, fixed in 0.193). Debian 13 ships 0.192, so the
// static agent does not link there without these. Weak: where libelf.a brings its own, its own win.
//
// Only `root` is touched: it is the first member of elfutils' search_tree in every build; the lock that
// may follow it lives in calloc'd memory, and an all-zero pthread_rwlock_t is a valid initialised lock.
#define _GNU_SOURCE
#include <search.h>
#include <stddef.h>

struct eu_search_tree {
	void *root;
};

__attribute__((weak)) void eu_search_tree_init(struct eu_search_tree *tree)
{
	tree->root = NULL;
}

__attribute__((weak)) void eu_search_tree_fini(struct eu_search_tree *tree, void (*free_node)(void *))
{
	tdestroy(tree->root, free_node);
	tree->root = NULL;
}
