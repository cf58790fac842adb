/* options.h - placeholder */
#ifndef SF_options_H
#define SF_options_H
#endif
