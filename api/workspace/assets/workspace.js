/* global document, fetch, setInterval */
// The workspace's only script (the pages work without it): offer deadlines count down each
// second, the inbox's offers refresh every 5 s, and the customer list filters as you type.
(() => {
  const countdowns = () => {
    for (const el of document.querySelectorAll('[data-deadline]')) {
      const left = Math.max(0, Date.parse(el.dataset.deadline) - Date.now());
      const minutes = Math.floor(left / 60000);
      const seconds = Math.floor((left % 60000) / 1000);
      el.textContent = left === 0 ? 'time is up' : `${minutes} min ${String(seconds).padStart(2, '0')} s`;
    }
  };
  const refresh = async (section) => {
    // Not while someone is typing a reason to decline.
    if (section.contains(document.activeElement) && document.activeElement.tagName === 'INPUT') return;
    const response = await fetch(section.dataset.refresh, { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (response.redirected || !response.ok) return;
    section.innerHTML = await response.text();
    countdowns();
  };
  document.addEventListener('DOMContentLoaded', () => {
    countdowns();
    setInterval(countdowns, 1000);
    for (const section of document.querySelectorAll('[data-refresh]')) setInterval(() => refresh(section).catch(() => {}), 5000);
    for (const input of document.querySelectorAll('[data-filter]')) {
      input.addEventListener('input', () => {
        const needle = input.value.trim().toLowerCase();
        for (const row of document.querySelectorAll(input.dataset.filter)) row.hidden = needle !== '' && !row.textContent.toLowerCase().includes(needle);
      });
    }
  });
})();
