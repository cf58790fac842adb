/* pdgen.h - placeholder for the synthetic perf.data builder */
#ifndef PDGEN_H
#define PDGEN_H
#endif
