// 服务统计: each service's volume and one-trip share, and the unit's six-month trend (Apache ECharts). The figures
// come from the page's JSON (json_script "figures-chart-data"); nothing is computed here.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("figures-chart-data");
    var byService = document.getElementById("chart-services");
    var trend = document.getElementById("chart-trend");
    if (!source || !byService || !trend || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var first = echarts.init(byService);
    first.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 48, bottom: 70, top: 36 },
      xAxis: { type: "category", data: data.services, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: data.labels.volume, type: "bar", data: data.volume, itemStyle: { color: "#0d6efd" } },
        { name: data.labels.one_trip, type: "line", yAxisIndex: 1, data: data.one_trip, itemStyle: { color: "#198754" } },
      ],
    });
    var second = echarts.init(trend);
    second.setOption({
      title: { text: data.labels.months, left: "center", textStyle: { fontSize: 13 } },
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 48, bottom: 40, top: 40 },
      xAxis: { type: "category", data: data.trend.months },
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [
        { name: data.labels.volume, type: "bar", data: data.trend.volume, itemStyle: { color: "#6c757d" } },
        { name: data.labels.one_trip, type: "line", yAxisIndex: 1, data: data.trend.one_trip, itemStyle: { color: "#198754" } },
      ],
    });
    byService.setAttribute("data-chart-ready", "1");
    window.addEventListener("resize", function () { first.resize(); second.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
