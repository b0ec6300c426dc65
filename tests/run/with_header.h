#define VALUE 0
