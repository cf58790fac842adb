/* report.h - placeholder */
#ifndef SF_report_H
#define SF_report_H
#endif
