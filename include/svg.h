/* svg.h - placeholder */
#ifndef SF_svg_H
#define SF_svg_H
#endif
