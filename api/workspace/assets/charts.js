/* global document, Chart */
// Draws the charts a page describes in `data-chart` (its figures are in a table beside it,
// for screen readers and for copying). Chart.js is served as a file like this script.
(() => {
  const COLOURS = ['#0b3d5c', '#f5a623', '#9aa5b1', '#2e8540', '#a00000'];
  document.addEventListener('DOMContentLoaded', () => {
    for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
      const spec = JSON.parse(canvas.dataset.chart);
      const percent = (v) => (spec.percent ? `${Math.round(v * 100)} %` : v);
      new Chart(canvas, {
        type: spec.type,
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map((d, i) => ({
            ...d, backgroundColor: COLOURS[i % COLOURS.length], borderColor: COLOURS[i % COLOURS.length], spanGaps: true,
            ...(d.dashed ? { borderDash: [6, 4], pointRadius: 0 } : {}),
          })),
        },
        options: {
          animation: false,
          maintainAspectRatio: false,
          plugins: { title: { display: true, text: spec.label } },
          scales: { x: { stacked: !!spec.stacked }, y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { callback: percent } } },
        },
      });
      canvas.dataset.drawn = 'true';
    }
  });
})();
