/* The topic-mastery dashboard (dashboard/view.py renders its content). Loaded before the page's
   root element exists, so the root is looked up when needed; the root carries the message
   channel (core/messages.py). */
(function(){
  function root(){ return document.getElementById('genai-dash'); }
  function message(act, arg){
    return root().getAttribute('data-channel') + ':' + act + (arg === null || arg === undefined ? '' : ':' + arg);
  }
  // pycmd is defined by Anki's bridge script once its QWebChannel is up, which can be after this
  // script runs: messages wait in a queue until then (`ready`, called from Python, whose evals
  // AnkiWebView holds back until the bridge reports domDone).
  var queue = [], ready = false;
  function send(msg){
    if (ready || typeof pycmd === 'function') { ready = true; flush(); pycmd(msg); } else { queue.push(msg); }
  }
  function flush(){ while (queue.length) pycmd(queue.shift()); }
  function depth(el){ return parseInt(el.getAttribute('data-depth'), 10); }
  function node(idx){ return root().querySelector('.item.node[data-idx="' + idx + '"]'); }
  function close(item){
    var d = depth(item);
    while (item.nextElementSibling && depth(item.nextElementSibling) > d) item.nextElementSibling.remove();
    item.classList.remove('open'); item.setAttribute('aria-expanded', 'false'); item.setAttribute('data-lazy', '1');
  }
  function toggle(item){
    var idx = item.getAttribute('data-idx');
    if (!/^[0-9]+$/.test(idx)) return;
    var opening = !item.classList.contains('open');
    if (opening) { item.classList.add('open'); item.setAttribute('aria-expanded', 'true'); } else { close(item); }
    send(message(opening ? 'expand' : 'collapse', idx));
  }
  function inRoot(ev){ var r = root(); return r && ev.target && r.contains(ev.target); }
  window.genaiDash = {
    ready: function(){ ready = true; flush(); },
    update: function(cls, html){ var r = root(); r.className = cls; r.innerHTML = html; },
    fill: function(idx, html){  // the descendants of a node just opened (ignored if closed again meanwhile)
      var item = node(idx);
      if (item && item.classList.contains('open') && item.hasAttribute('data-lazy')) {
        item.removeAttribute('data-lazy'); item.insertAdjacentHTML('afterend', html);
      }
    }
  };
  document.addEventListener('click', function(ev){
    if (!inRoot(ev)) return;
    var el = ev.target.closest('button[data-act], a[data-act]');
    if (!el) {
      var item = ev.target.closest('.item.node');
      if (item) toggle(item);
      return;
    }
    ev.preventDefault(); ev.stopPropagation();
    var act = el.getAttribute('data-act'), arg = el.getAttribute('data-arg') || el.getAttribute('data-idx');
    if (!/^(study|browse|sort|refresh|interview)$/.test(act)) return;
    send(message(act, arg));
  });
  document.addEventListener('change', function(ev){
    if (inRoot(ev) && ev.target.id === 'genai-interview-date') {
      var v = ev.target.value || '';
      if (v === '' || /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(v)) send(message('date', v));
    }
  });
  document.addEventListener('keydown', function(ev){
    if (inRoot(ev) && (ev.key === 'Enter' || ev.key === ' ') && ev.target.matches && ev.target.matches('.item.node')) {
      ev.preventDefault(); toggle(ev.target);
    }
  });
})();
