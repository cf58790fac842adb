/* script.h - placeholder */
#ifndef SF_script_H
#define SF_script_H
#endif
