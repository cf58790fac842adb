/* writer.h - placeholder */
#ifndef SF_writer_H
#define SF_writer_H
#endif
