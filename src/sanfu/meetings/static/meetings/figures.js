// 会议月度统计: each room's occupancy as a bar chart (Apache ECharts). The figures come from the page's JSON
// (json_script "figures-chart-data"); nothing is computed here.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("figures-chart-data");
    var target = document.getElementById("figures-chart");
    if (!source || !target || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(target);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
      legend: { top: 0 },
      grid: { left: 40, right: 16, bottom: 60, top: 36 },
      xAxis: { type: "category", data: data.rooms, axisLabel: { interval: 0, rotate: data.rooms.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [{ name: data.labels.occupancy, type: "bar", data: data.occupancy, itemStyle: { color: "#0d6efd" } }],
    });
    target.setAttribute("data-chart-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
