// 流程效能评估: each matter type's median turnaround split into handling, back-with-the-initiator and off-hours
// time, as stacked bars (Apache ECharts). The figures come from the page's JSON (json_script
// "review-chart-data"); nothing is computed here.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("review-chart-data");
    var target = document.getElementById("review-chart");
    if (!source || !target || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(target);
    function bar(key, color) {
      return { name: data.labels[key], type: "bar", stack: "p50", data: data[key], itemStyle: { color: color } };
    }
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, bottom: 60, top: 36 },
      xAxis: { type: "category", data: data.matters, axisLabel: { interval: 0, rotate: data.matters.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", name: data.labels.hours, min: 0 },
      series: [bar("handling", "#0d6efd"), bar("with_initiator", "#fd7e14"), bar("off_hours", "#adb5bd")],
    });
    target.setAttribute("data-chart-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
