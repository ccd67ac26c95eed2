// 领导驾驶舱: six months of the efficiency review's totals (finished matters as bars, the median turnaround,
// the on-time and first-pass rates as lines) with Apache ECharts. The figures come from the page's JSON
// (json_script "cockpit-trend-data"); nothing is computed here.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("cockpit-trend-data");
    var target = document.getElementById("cockpit-trend");
    if (!source || !target || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(target);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 48, bottom: 32, top: 48 },
      xAxis: { type: "category", data: data.months },
      yAxis: [
        { type: "value", min: 0 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      ],
      series: [
        { name: data.labels.ended, type: "bar", data: data.ended, itemStyle: { color: "#adb5bd" } },
        { name: data.labels.p50, type: "line", data: data.p50, itemStyle: { color: "#0d6efd" } },
        { name: data.labels.sla, type: "line", yAxisIndex: 1, data: data.sla, itemStyle: { color: "#198754" } },
        { name: data.labels.fpy, type: "line", yAxisIndex: 1, data: data.fpy, itemStyle: { color: "#fd7e14" } },
      ],
    });
    target.setAttribute("data-chart-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
