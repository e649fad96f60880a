# SPDX-License-Identifier: GPL-2.0
#
#   gnuplot -e "csv='results.csv'; png='scaling.png'" scaling.gp
#
# Draws make bench's scaling figures from its results.csv (series,x,value):
# MAP+UNMAP and MAP_FLOOR time against the bytes mapped, for 4 KiB and THP
# memory, and UNMAP of one page against the number of areas in the IOAS.

set terminal pngcairo size 1400,560 font ",10" noenhanced
set output png
set datafile separator ","
set multiplot layout 1,2 title "iommufd make bench: how cost grows"

set logscale xy
set grid
set key top left
set xrange [8e6:2e9]
set xlabel "bytes mapped"
set ylabel "time (ns)"
series(s) = sprintf("< grep '^%s,' %s", s, csv)
plot series("map_4k") using 2:3 with linespoints title "MAP+UNMAP, 4 KiB pages", \
     series("floor_4k") using 2:3 with linespoints title "MAP_FLOOR, 4 KiB pages", \
     series("map_thp") using 2:3 with linespoints title "MAP+UNMAP, THP", \
     series("floor_thp") using 2:3 with linespoints title "MAP_FLOOR, THP"

set logscale x
unset logscale y
set xrange [5:2e5]
set yrange [0:*]
set xlabel "areas in the IOAS"
set ylabel "UNMAP of one page (ns)"
plot series("unmap_1page") using 2:3 with linespoints title "UNMAP, one page"

unset multiplot
