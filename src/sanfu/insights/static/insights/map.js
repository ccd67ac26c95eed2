// 流程图: the definition's nodes (coloured by their median handling time) and edges (as wide as the instances
// that passed them), left to right, with Apache ECharts' graph series. The figures and the layout come from the
// page's JSON (json_script "map-data"); nothing is computed here.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("map-data");
    var target = document.getElementById("process-map");
    if (!source || !target || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(target);
    var nodes = data.nodes.map(function (n) {
      return {
        id: n.id,
        name: n.name,
        x: n.x * 180,
        y: n.y * 90,
        symbol: n.kind === "start" || n.kind === "end" ? "circle" : "roundRect",
        symbolSize: n.kind === "start" || n.kind === "end" ? 36 : [110, 44],
        itemStyle: { color: n.colour },
        label: { show: true, color: "#fff", fontWeight: "bold" },
        tooltip: { formatter: n.p50 === null ? n.name : n.name + "<br>" + data.labels.p50 + ": " + n.p50 + "<br>" + data.labels.tasks + ": " + n.tasks },
      };
    });
    var edges = data.edges.map(function (e) {
      return {
        source: e.source,
        target: e.target,
        value: e.count,
        lineStyle: { width: e.width, type: e.in_spec ? "solid" : "dashed", curveness: e.in_spec ? 0 : 0.3, color: "#6c757d" },
        label: { show: e.count > 0, formatter: e.count + " " + data.labels.instances },
      };
    });
    chart.setOption({
      animation: false,
      tooltip: {},
      series: [{
        type: "graph",
        layout: "none",
        roam: true,
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 8,
        data: nodes,
        links: edges,
        edgeLabel: { fontSize: 11 },
      }],
    });
    target.setAttribute("data-chart-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
