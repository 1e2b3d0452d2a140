// Behaviour of the admin pages that Flask-Admin writes as inline JavaScript, which our
// Content-Security-Policy (script-src 'self') forbids: list actions, delete confirmation,
// and links that only open a menu.
(function () {
  'use strict';

  // The page's language, for screen readers and the browser (Flask-Admin's <html> has no lang).
  var locale = document.querySelector('meta[name="ivr-locale"]');
  if (locale) {
    document.documentElement.lang = locale.getAttribute('content');
  }

  document.addEventListener('click', function (event) {
    var actionLink = event.target.closest('[data-ivr-action]');
    if (actionLink) {
      event.preventDefault();
      // modelActions comes from Flask-Admin's actions.js, loaded on lists that have actions.
      window.modelActions.execute(actionLink.getAttribute('data-ivr-action'));
      return;
    }
    var menuLink = event.target.closest('a[href="#"]');
    if (menuLink) {
      event.preventDefault();
    }
    // Capture phase: Flask-Admin's dropdown script stops the click from bubbling up to us.
  }, true);

  document.addEventListener('submit', function (event) {
    var message = event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
