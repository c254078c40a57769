/* Charts of the report pages: every <div data-chart="ID"> is drawn with ECharts (vendor/echarts) from
   the JSON in <script id="ID" type="application/json"> (Django's json_script), and redrawn at the new
   size when the window changes. A spec: {kind: "bar" | "line" | "hbar" | "pie", categories: [...],
   series: [{name, data, kind?, axis?: 0 | 1, stack?, step?}], axes?: [name, name], percent?: true}. */
(function () {
  "use strict";
  var charts = [];

  function option(spec) {
    var percent = spec.percent ? "{value} %" : "{value}";
    if (spec.kind === "pie") {
      return {
        tooltip: {trigger: "item", formatter: "{b}: {c} ({d} %)"},
        legend: {type: "scroll", orient: "vertical", right: 0, top: "middle"},
        series: [{type: "pie", radius: ["35%", "70%"], center: ["35%", "50%"], avoidLabelOverlap: true,
                  label: {show: false}, data: spec.categories.map(function (name, i) {
                    return {name: name, value: spec.series[0].data[i]};
                  })}]
      };
    }
    var horizontal = spec.kind === "hbar";
    var category = {type: "category", data: spec.categories, axisLabel: {hideOverlap: true}};
    var axes = (spec.axes || [""]).map(function (name, i) {
      return {type: "value", name: name, axisLabel: {formatter: i === 1 && spec.percent2 ? "{value} %" : percent},
              splitLine: {show: i === 0}};
    });
    return {
      tooltip: {trigger: "axis"},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      xAxis: horizontal ? axes[0] : category,
      yAxis: horizontal ? Object.assign({inverse: true}, category) : axes,
      dataZoom: spec.categories.length > 62 && !horizontal ? [{type: "inside"}] : [],
      series: spec.series.map(function (s) {
        var kind = s.kind || (horizontal ? "bar" : spec.kind);
        return {name: s.name, type: kind, data: s.data, stack: s.stack, yAxisIndex: horizontal ? 0 : (s.axis || 0),
                step: s.step || false, showSymbol: spec.categories.length <= 62 && !s.step, barMaxWidth: 28,
                emphasis: {focus: "series"}};
      })
    };
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || typeof echarts === "undefined") { return; }
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption(option(JSON.parse(source.textContent)), true);
    el.dataset.rendered = "true";
    charts.push(chart);
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
