/* outfile.h - placeholder */
#ifndef SF_outfile_H
#define SF_outfile_H
#endif
