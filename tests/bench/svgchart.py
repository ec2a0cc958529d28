# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A dependency-free SVG chart for docs/performance.md: grouped horizontal bars with min-max whiskers."""

from __future__ import annotations

from xml.sax.saxutils import escape

COLOURS = ('#1f6feb', '#d1242f', '#8250df', '#bf8700', '#1a7f37')


def _fmt(value):
    if value >= 100:
        return '%.0f' % value
    if value >= 10:
        return '%.1f' % value
    return '%.2f' % value


def grouped_bars(title, unit, groups, series, width=900, floor_label=None):
    """Return SVG text.

    ``groups``: list of ``{"label": str, "values": {series_name: (median, low, high) or None}, "floor": float or None}``;
    ``series``: ordered list of series names (one colour each). Bars share one linear axis.
    """
    bar_h, gap, left, right, top = 14, 2, 250, 90, 48
    group_h = len(series) * (bar_h + gap) + 14
    height = top + len(groups) * group_h + 40
    peak = 0.0
    for group in groups:
        for value in group['values'].values():
            if value:
                peak = max(peak, value[2] if value[2] is not None else value[0])
        if group.get('floor'):
            peak = max(peak, group['floor'])
    peak = peak or 1.0
    plot_w = width - left - right

    def xpos(value):
        return left + plot_w * value / peak

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (width, height, width, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="20" font-size="15" font-weight="bold">%s</text>' % (left - 240, escape(title))]
    legend_x = left
    for index, name in enumerate(series):
        out.append('<rect x="%d" y="30" width="12" height="10" fill="%s"/>' % (legend_x, COLOURS[index % len(COLOURS)]))
        out.append('<text x="%d" y="39">%s</text>' % (legend_x + 16, escape(name)))
        legend_x += 30 + 7 * len(name)
    if floor_label:
        out.append('<line x1="%d" y1="29" x2="%d" y2="41" stroke="black" stroke-dasharray="3,2"/>' % (legend_x, legend_x))
        out.append('<text x="%d" y="39">%s</text>' % (legend_x + 6, escape(floor_label)))
    steps = 5
    for step in range(steps + 1):
        value = peak * step / steps
        x = xpos(value)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>' % (x, top - 4, x, height - 30))
        out.append('<text x="%.1f" y="%d" text-anchor="middle" fill="#555">%s</text>' % (x, height - 16, _fmt(value)))
    out.append('<text x="%d" y="%d" text-anchor="end" fill="#555">%s</text>' % (width - 10, height - 4, escape(unit)))
    y = top
    for group in groups:
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (left - 8, y + group_h / 2, escape(group['label'])))
        for index, name in enumerate(series):
            value = group['values'].get(name)
            by = y + index * (bar_h + gap)
            if not value:
                out.append('<text x="%d" y="%d" fill="#888">%s: n/a</text>' % (left + 4, by + bar_h - 3, escape(name)))
                continue
            median, low, high = value
            colour = COLOURS[index % len(COLOURS)]
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>' % (left, by, max(1.0, xpos(median) - left), bar_h, colour))
            if low is not None and high is not None and high > low:
                mid = by + bar_h / 2
                out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>' % (xpos(low), mid, xpos(high), mid))
                for end in (low, high):
                    out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black"/>' % (xpos(end), by + 3, xpos(end), by + bar_h - 3))
            out.append('<text x="%.1f" y="%d">%s</text>' % (xpos(high if high is not None else median) + 4, by + bar_h - 3, _fmt(median)))
        if group.get('floor'):
            x = xpos(group['floor'])
            out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-dasharray="3,2"/>'
                       % (x, y - 2, x, y + len(series) * (bar_h + gap)))
        y += group_h
    out.append('</svg>')
    return '\n'.join(out) + '\n'
