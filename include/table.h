/* table.h - placeholder */
#ifndef SF_table_H
#define SF_table_H
#endif
