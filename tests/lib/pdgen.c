/* pdgen.c - placeholder */
