// 月度通报: the departments' completion and overdue rates as a bar chart (Apache ECharts). The figures come
// from the page's JSON (json_script "bulletin-chart-data"); nothing is computed here.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("bulletin-chart-data");
    var target = document.getElementById("bulletin-chart");
    if (!source || !target || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(target);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      legend: { top: 0 },
      grid: { left: 40, right: 16, bottom: 60, top: 36 },
      xAxis: { type: "category", data: data.departments, axisLabel: { interval: 0, rotate: data.departments.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: data.labels.completion, type: "bar", data: data.completion, itemStyle: { color: "#198754" } },
        { name: data.labels.overdue, type: "bar", data: data.overdue, itemStyle: { color: "#dc3545" } },
      ],
    });
    target.setAttribute("data-chart-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
