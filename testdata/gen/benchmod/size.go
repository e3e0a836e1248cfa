package benchmod

// bodySize is the body encodeBody allocates: 25 pages of 8 KiB, a large
// object the allocator rounds to whole pages, hence exact.  The base of
// tests/ci-recipe.sh; variants/ hold the heads it is compared with.
const bodySize = 25 * 8192
