/* The linked-explanations panel (panel/view.py renders its content). The root element carries
   the message channel and the permanent-id pattern (core/messages.py, core/ids.py). */
function genaiRender(html) {
  var r = document.getElementById('genai-root');
  if (r) { r.innerHTML = html; }
  if (window.MathJax && MathJax.typesetPromise) { MathJax.typesetPromise([r]).catch(function () {}); }
}
document.addEventListener('click', function (e) {
  var a = e.target.closest ? e.target.closest('[data-genai-open]') : null;
  var r = document.getElementById('genai-root');
  if (!a || !r) { return; }
  e.preventDefault();
  var id = a.getAttribute('data-genai-open');
  if (new RegExp(r.getAttribute('data-id-pattern')).test(id)) {
    pycmd(r.getAttribute('data-channel') + ':open:' + id);
  }
});
