// The dashboard's two charts (Chart.js, vendored in static/vendor/chartjs); the data comes
// from each canvas's data-chart attribute, written by the server as JSON, and the words from
// its data-labels attribute, already in the page's language.
(function () {
  'use strict';

  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

  function shortened(label) {
    return label.length > 30 ? label.slice(0, 29) + '…' : label;
  }

  function chartData(id) {
    var canvas = document.getElementById(id);
    return canvas ? {
      canvas: canvas,
      data: JSON.parse(canvas.getAttribute('data-chart')),
      labels: JSON.parse(canvas.getAttribute('data-labels'))
    } : null;
  }

  function drawPayments() {
    var found = chartData('payments-chart');
    if (!found) { return; }
    var data = found.data, words = found.labels;
    var datasets = [{
      type: 'bar', label: words.payments, data: data.counts, yAxisID: 'count',
      backgroundColor: 'rgba(31, 119, 180, 0.6)', order: 2
    }];
    Object.keys(data.sums).forEach(function (currency, index) {
      datasets.push({
        type: 'line', label: words.sum.replace('{currency}', currency), data: data.sums[currency], yAxisID: 'sum',
        borderColor: PALETTE[(index + 1) % PALETTE.length], backgroundColor: 'transparent',
        tension: 0.2, pointRadius: 2, order: 1
      });
    });
    new window.Chart(found.canvas, {
      data: { labels: data.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false, locale: words.locale,
        interaction: { mode: 'index', intersect: false },
        scales: {
          count: { type: 'linear', position: 'left', beginAtZero: true, ticks: { precision: 0 },
                   title: { display: true, text: words.count_axis } },
          sum: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false },
                 title: { display: true, text: words.sum_axis } }
        }
      }
    });
  }

  function drawFailures() {
    var found = chartData('failures-chart');
    if (!found) { return; }
    new window.Chart(found.canvas, {
      type: 'bar',
      data: {
        labels: found.data.labels,
        datasets: [{ label: found.labels.failures, data: found.data.counts, backgroundColor: 'rgba(214, 39, 40, 0.7)' }]
      },
      options: {
        indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false, locale: found.labels.locale,
        plugins: { legend: { display: false } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          // Long texts ("PaymentOption is not valid...") are cut; the table below has them whole.
          y: { ticks: { callback: function (value) { return shortened(this.getLabelForValue(value)); } } }
        }
      }
    });
  }

  drawPayments();
  drawFailures();
})();
