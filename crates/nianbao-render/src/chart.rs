//! Charts as self-contained SVG: horizontal grouped bars, one row per category (long Chinese labels fit).

use std::fmt::Write;

use crate::annex::{Chart, format_number};
use crate::escape::xml;

const WIDTH: f64 = 680.0;
const LABEL_W: f64 = 230.0;
const BAR_H: f64 = 14.0;
const GAP: f64 = 10.0;
const TOP: f64 = 40.0;
const COLORS: [&str; 6] = [
    "#2f5597", "#c55a11", "#548235", "#7f6000", "#7030a0", "#404040",
];
/// The font family named in the SVG (Noto CJK is what `scripts/setup.sh` installs).
pub const FONT_FAMILY: &str = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif";

/// Draws a chart as SVG markup.
pub fn svg(chart: &Chart) -> String {
    let n_series = chart.series.len().max(1);
    let group_h = n_series as f64 * BAR_H + GAP;
    let legend_h = 24.0;
    let height = TOP + chart.categories.len() as f64 * group_h + legend_h + 10.0;
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0_f64, f64::max);
    let scale = if max > 0.0 {
        (WIDTH - LABEL_W - 60.0) / max
    } else {
        0.0
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{FONT_FAMILY}" font-size="12" role="img" aria-label="{t}">"#,
        t = xml(&chart.title)
    );
    let _ = write!(
        s,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="{x}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{t}（{u}）</text>"##,
        x = WIDTH / 2.0,
        t = xml(&chart.title),
        u = xml(&chart.unit)
    );
    let axis_bottom = TOP + chart.categories.len() as f64 * group_h;
    let _ = write!(
        s,
        r##"<line x1="{LABEL_W}" y1="{TOP}" x2="{LABEL_W}" y2="{axis_bottom}" stroke="#888"/>"##
    );
    for (i, cat) in chart.categories.iter().enumerate() {
        let y0 = TOP + i as f64 * group_h;
        let _ = write!(
            s,
            r#"<text x="{x}" y="{y}" text-anchor="end" dominant-baseline="middle">{c}</text>"#,
            x = LABEL_W - 6.0,
            y = y0 + (group_h - GAP) / 2.0,
            c = xml(&truncate(cat, 18))
        );
        for (j, series) in chart.series.iter().enumerate() {
            let v = series.values.get(i).copied().unwrap_or(0.0);
            let y = y0 + j as f64 * BAR_H;
            let w = (v.max(0.0) * scale).max(0.0);
            let color = COLORS[j % COLORS.len()];
            let _ = write!(
                s,
                r#"<rect x="{LABEL_W}" y="{y}" width="{w:.1}" height="{h}" fill="{color}"/><text x="{tx:.1}" y="{ty}" dominant-baseline="middle" font-size="11">{v}</text>"#,
                h = BAR_H - 2.0,
                tx = LABEL_W + w + 4.0,
                ty = y + (BAR_H - 2.0) / 2.0,
                v = format_number(v)
            );
        }
    }
    let mut x = LABEL_W;
    let ly = axis_bottom + 18.0;
    for (j, series) in chart.series.iter().enumerate() {
        let color = COLORS[j % COLORS.len()];
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/><text x="{tx}" y="{ty}" dominant-baseline="middle">{n}</text>"#,
            y = ly - 10.0,
            tx = x + 16.0,
            ty = ly - 4.0,
            n = xml(&series.name)
        );
        x += 30.0 + series.name.chars().count() as f64 * 12.0;
    }
    s.push_str("</svg>");
    s
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annex::ChartSeries;

    #[test]
    fn svg_escapes_and_draws_one_bar_per_value() {
        let chart = Chart {
            title: "a<b".into(),
            unit: "件".into(),
            categories: vec!["甲".into(), "乙&丙".into()],
            series: vec![
                ChartSeries {
                    name: "2022年".into(),
                    values: vec![1.0, 2.0],
                },
                ChartSeries {
                    name: "2023年".into(),
                    values: vec![3.0, 0.0],
                },
            ],
        };
        let s = svg(&chart);
        assert!(s.contains("a&lt;b"));
        assert!(s.contains("乙&amp;丙"));
        // 4 bars + 2 legend swatches + background.
        assert_eq!(s.matches("<rect").count(), 7);
    }
}
