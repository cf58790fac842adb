/* diff.h - placeholder */
#ifndef SF_diff_H
#define SF_diff_H
#endif
