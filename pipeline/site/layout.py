"""Every layout number of the site's charts, named in one place (SVG user units; the charts
scale to the page's width and scroll sideways on a narrow screen rather than shrink)."""

WIDTH = 1100.0  # every chart's viewBox width
# The front page does not grow with the tables: a chart draws at most MOST_MARKS marks (a casualty
# chart, one line per figure, MOST_ROWS lines), a list or matrix at most MOST_ROWS rows
# (MOST_COLUMNS columns); beyond that it draws the groups that
# matter most, whole, and says how many rows it leaves to the tables view, which pages every row.
MOST_MARKS = 2000
MOST_ROWS = 200
MOST_COLUMNS = 40
# Tableau 10: distinguishable colours, assigned to enumeration values in schema order.
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
# Event categories in schema order (violent, organizational, political): red, amber, blue.
CATEGORY_PALETTE = ("#d1495b", "#e09f3e", "#30638e")
CLAIMED_KEY = "#555"  # the legend sample of a claimed (hollow) figure

# time axes: a year label only where years are at least this far apart, else every few years
YEAR_LABEL_MIN_GAP = 38.0
YEAR_LABEL_STEPS = (1, 2, 5, 10, 20, 50, 100)
TICK_DX, TICK_DY = 2.0, 4.0  # a tick label's offset from its grid line
BAR_GAP = 3.0  # least room between two bars packed into one row
MIN_BAR = 3.0  # the narrowest bar drawn

# legend samples (HTML, beside the charts)
SWATCH_W, SWATCH_H = 22, 12
MAP_SWATCH = 20

OVERVIEW = dict(label_w=330.0, right_w=70.0, label_dx=8.0, bar_h=16.0, row_h=26.0, top=10.0, text_dy=12.0, value_dx=6.0,
                title_chars=48, bottom=4.0)
TIMELINE = dict(left=10.0, right=14.0, top=22.0, row_h=9.0, bar_h=7.0, lane_label_h=20.0, lane_gap=10.0,
                text_dy=12.0, bottom=4.0)
MAP = dict(margin=10.0, grid_degrees=5, pad_degrees=5, label_dx=5.0, label_up=14.0, label_down=3.0,
           label_char_w=5.5, label_dy=2.0, tick_dy=3.0, lat_tick_dy=2.0)
MAP_RADIUS = {1: 3.0, 2: 4.5, 3: 6.5, 4: 9.0}  # a coarser place (where_prec) draws a larger, fainter mark
NETWORK = dict(label_w=300.0, lane_h=17.0, top=24.0, first_dy=4.0, right=70.0, label_dx=6.0, text_dy=4.0, group_dy=4.0,
               group_x=4.0, max_bulge=70.0, bulge_share=0.35, bulge_min=8.0, bulge_step=7.0, bundle_px=6.0,
               range_min=4.0, end_r=3.0, arrow=8.0, bottom=8.0)
CASUALTIES = dict(label_w=280.0, right_w=340.0, top=24.0, row_h=15.0, group_gap=2.0, event_gap=6.0, group_x=4.0,
                  label_dx=8.0, text_dy=9.0, group_dy=11.0, mid_dy=5.0, dot_r=4.0, bar_h=8.0, stroke=1.5,
                  arrow_w=8.0, arrow_h=6.0, words_dx=14.0, tick_dy=6.0, first_dy=4.0, bottom=4.0)
