#!/bin/sh
# placeholder: not written yet
exit 77
