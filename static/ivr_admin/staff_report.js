// The staff report's chart of the top agents (Chart.js, vendored in static/vendor/chartjs);
// the data comes from the canvas's data-chart attribute, written by the server as JSON, and the
// words from its data-labels attribute, already in the page's language.
(function () {
  'use strict';

  var canvas = document.getElementById('staff-chart');
  if (!canvas) { return; }
  var data = JSON.parse(canvas.getAttribute('data-chart'));
  var words = JSON.parse(canvas.getAttribute('data-labels'));
  new window.Chart(canvas, {
    type: 'bar',
    data: {
      labels: data.labels,
      datasets: [
        { label: words.payments, data: data.payments, backgroundColor: 'rgba(31, 119, 180, 0.7)' },
        { label: words.failures, data: data.failures, backgroundColor: 'rgba(214, 39, 40, 0.7)' }
      ]
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false, locale: words.locale,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
})();
