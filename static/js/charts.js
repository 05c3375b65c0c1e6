// Draws a Chart.js chart on every canvas[data-chart] (the chart type). Its data comes from the
// <script type="application/json"> element (Django's json_script) whose id is in data-chart-data:
// {"labels": [...], "datasets": [{"label": "...", "data": [...]}, ...]}.
// Optional: data-chart-percent (value axis 0-100 %), data-chart-horizontal (horizontal bars).
// No inline script or style is needed, so the pages keep working under a strict Content Security Policy.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof window.Chart === "undefined") {
    return;
  }
  const palette = ["#b3261e", "#0b57a4", "#198754", "#f4c542", "#6f42c1", "#fd7e14"];
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chartData || "");
    if (!source) {
      return;
    }
    const data = JSON.parse(source.textContent);
    const type = canvas.dataset.chart;
    const horizontal = canvas.hasAttribute("data-chart-horizontal");
    const percent = canvas.hasAttribute("data-chart-percent");
    const datasets = (data.datasets || []).map((dataset, index) => {
      const colour = palette[index % palette.length];
      return {
        borderColor: colour,
        backgroundColor: type === "line" ? colour : `${colour}cc`,
        tension: 0.2,
        pointRadius: type === "line" ? 2 : undefined,
        ...dataset,
      };
    });
    const valueAxis = { beginAtZero: true };
    if (percent) {
      valueAxis.max = 100;
      valueAxis.ticks = { callback: (value) => `${value}%` };
    } else {
      valueAxis.ticks = { precision: 0 };
    }
    const valueKey = horizontal ? "x" : "y";
    const labelKey = horizontal ? "y" : "x";
    // Horizontal bars get taller (a smaller width/height ratio) as their number grows.
    const bars = (data.labels || []).length;
    const aspectRatio = horizontal ? Math.max(0.4, Math.min(2, 12 / (bars + 2))) : 2;
    new window.Chart(canvas, {
      type,
      data: { labels: data.labels || [], datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        aspectRatio,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { [valueKey]: valueAxis, [labelKey]: { ticks: { autoSkip: true } } },
      },
    });
  });
});
