# Grouped bars of the ratios quire / peer, one group per comparison, one bar per corpus.
# Called by bench/report.py:
#   gnuplot -e "datafile='chart.dat'; ncorpora=3; titles='a|b|c'; out='chart.png'" plot.gp
# chart.dat: one line per comparison, "label" ratio_corpus1 ratio_corpus2 ... target
# (target: the issue's limit for the ratio, NaN if none; drawn as a red dash)
# The y axis is logarithmic, so 2× slower and 2× faster are the same height; bars start at
# parity (1.0, the thick line): up means quire is slower or bigger, down faster or smaller.

set terminal pngcairo size 1700,850 font "DejaVu Sans,11" noenhanced
set output out
set title "quire / peer (same run, medians; below 1 = quire faster or smaller; log scale)" font ",14"
set logscale y
set yrange [0.002:100]
set ytics ("0.002" 0.002, "0.005" 0.005, "0.01" 0.01, "0.02" 0.02, "0.05" 0.05, "0.1" 0.1, \
           "0.2" 0.2, "0.5" 0.5, "1" 1, "2" 2, "5" 5, "10" 10, "20" 20, "50" 50, "100" 100)
set grid ytics lc rgb "#dddddd"
set ylabel "ratio quire / peer"
set key top left box opaque
set style fill solid 0.85 border -1
set xtics nomirror scale 0 font ",10"
set border 3
set ytics nomirror
stats datafile using 2 nooutput
set xrange [-0.6 : STATS_records - 0.4]
set bmargin 5

n = ncorpora
w = 0.84 / n
pos(i, k) = i + (k - (n + 1) / 2.0) * w
colors = "#4477aa #ee7733 #228833 #aa3377"
t(k) = system(sprintf("echo '%s' | cut -d'|' -f%d", titles, k))
lab(v) = v >= 10 ? sprintf("%.0f", v) : (v >= 0.1 ? sprintf("%.2f", v) : sprintf("%.3f", v))

# bars drawn as boxes from 1.0 to the ratio: boxxyerror with y from 1 to v
plot datafile using ($0):(NaN):xtic(1) with points notitle, \
     for [k=1:n] datafile using (pos($0, k)):(1):(pos($0, k) - w/2):(pos($0, k) + w/2):(1 < column(k+1) ? 1 : column(k+1)):(1 < column(k+1) ? column(k+1) : 1) \
        with boxxyerrorbars lc rgb word(colors, k) title t(k), \
     for [k=1:n] datafile using (pos($0, k)):(column(k+1) >= 1 ? column(k+1) * 1.12 : column(k+1) / 1.12):(lab(column(k+1))) \
        with labels font ",8" notitle, \
     datafile using ($0):(column(n+2)):(0.46) with xerrorbars pt 0 lw 3 lc rgb "#cc0000" title "target (at most)", \
     1 with lines lw 3 lc rgb "black" title "parity (1.0)"
