// The reports page's charts, drawn by Apache ECharts (vendor/echarts, docs/reports.md).
// They only draw what the hub sent: rows of GET /api/reports/summary and the grid of
// GET /api/reports/hours. Labels are the hub's; tooltips are plain text (renderMode
// "richText"), so a name from the configuration is never read as HTML.
(function (global) {
  "use strict";

  const charts = new Map(); // element id -> chart
  const BLUE = "#1d5fa8";
  const AMBER = "#d98a00";
  const GREEN = "#1f7a3d";
  const RED = "#b3261e";

  // Seconds as minutes:seconds ("4:05", "75:30"); "—" when there is nothing to measure.
  function minutesSeconds(seconds) {
    if (seconds === null || seconds === undefined) return "—";
    const whole = Math.round(seconds);
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function chartOn(id) {
    let chart = charts.get(id);
    if (!chart) {
      chart = global.echarts.init(document.getElementById(id), null, { renderer: "canvas" });
      charts.set(id, chart);
    }
    return chart;
  }

  const base = {
    animation: false,
    textStyle: { fontFamily: "DejaVu Sans, Segoe UI, Roboto, Arial, sans-serif" },
    tooltip: { renderMode: "richText", confine: true },
  };

  // Tickets taken per day (rows) and hour (columns), darker where it is busier.
  function hours(id, grid) {
    const data = [];
    let most = 0;
    grid.days.forEach((day, y) => day.issued.forEach((count, x) => {
      data.push([x, y, count]);
      most = Math.max(most, count);
    }));
    const chart = chartOn(id);
    const rows = Math.max(grid.days.length, 1);
    chart.getDom().style.height = Math.min(Math.max(220, 60 + rows * 22), 1400) + "px";
    chart.resize();
    chart.setOption({
      ...base,
      tooltip: {
        ...base.tooltip,
        formatter: (p) => grid.days[p.value[1]].label + "\n" + grid.hour_labels[p.value[0]] + ": " + p.value[2] + " nomor",
      },
      grid: { left: 150, right: 80, top: 10, bottom: 30 },
      xAxis: { type: "category", data: grid.hours.map((h) => h + ".00"), splitArea: { show: true } },
      yAxis: { type: "category", data: grid.days.map((d) => d.label), inverse: true, axisLabel: { fontSize: 11 } },
      visualMap: {
        min: 0, max: Math.max(most, 1), calculable: true, orient: "vertical", right: 5, top: "middle",
        inRange: { color: ["#f4f8fc", "#9cc3e6", BLUE, "#0b2f55"] }, text: ["ramai", "sepi"],
      },
      series: [{ type: "heatmap", data, label: { show: rows <= 31, fontSize: 10 } }],
    }, true);
  }

  function perService(rows) {
    return rows.filter((r) => r.key !== null || r.issued);
  }

  // Mean and 90th percentile wait, mean service time, per row (minutes on the axis, m:ss in the tooltip).
  function times(id, rows) {
    const shown = perService(rows);
    const minutes = (field) => shown.map((r) => (r[field] === null ? null : +(r[field] / 60).toFixed(2)));
    chartOn(id).setOption({
      ...base,
      tooltip: {
        ...base.tooltip, trigger: "axis",
        formatter: (items) => items[0].name + "\n" + items.map(
          (i) => i.seriesName + ": " + minutesSeconds(shown[i.dataIndex][i.seriesId])).join("\n"),
      },
      legend: { top: 0 },
      grid: { left: 50, right: 15, top: 35, bottom: 90 },
      xAxis: { type: "category", data: shown.map((r) => r.key || r.label),
               axisLabel: { interval: 0, rotate: shown.length > 8 ? 45 : 0 } },
      yAxis: { type: "value", name: "menit" },
      series: [
        { id: "wait_avg_s", name: "Tunggu rata-rata", type: "bar", data: minutes("wait_avg_s"), itemStyle: { color: BLUE } },
        { id: "wait_p90_s", name: "Tunggu P90", type: "bar", data: minutes("wait_p90_s"), itemStyle: { color: AMBER } },
        { id: "service_avg_s", name: "Layanan rata-rata", type: "bar", data: minutes("service_avg_s"), itemStyle: { color: GREEN } },
      ],
    }, true);
  }

  // No-shows per row next to the tickets served.
  function noShows(id, rows) {
    const shown = perService(rows);
    chartOn(id).setOption({
      ...base,
      tooltip: { ...base.tooltip, trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 15, top: 35, bottom: 90 },
      xAxis: { type: "category", data: shown.map((r) => r.key || r.label),
               axisLabel: { interval: 0, rotate: shown.length > 8 ? 45 : 0 } },
      yAxis: { type: "value", name: "nomor", minInterval: 1 },
      series: [
        { name: "Tidak hadir", type: "bar", data: shown.map((r) => r.no_show), itemStyle: { color: RED } },
        { name: "Dialihkan", type: "bar", data: shown.map((r) => r.transferred), itemStyle: { color: AMBER } },
      ],
    }, true);
  }

  function resize() {
    charts.forEach((chart) => chart.resize());
  }

  global.MppCharts = { hours, times, noShows, resize, minutesSeconds };
})(window);
