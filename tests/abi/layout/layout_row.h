/* One field of a public ABI struct: where it sits and how large it and its struct are. */
#ifndef MOAT_LAYOUT_ROW_H
#define MOAT_LAYOUT_ROW_H

#include <stddef.h>

typedef struct moat_layout_row {
  const char* type;
  const char* field;
  size_t offset;
  size_t size;
  size_t type_size;
} moat_layout_row;

#endif
