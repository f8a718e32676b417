// Wyrm's sidebar walker, run inside the page. It mirrors the Rust parser's position contract:
// the entries of a list are its direct element children that are not child lists, numbered in
// document order; a menu's children are the child list right after its entry (or nested in it).
// `P` is the site profile (selectors) passed as the first script argument.
const P = arguments[0];
const W = (() => {
  const matches = (el, s) => { try { return el.matches(s); } catch (e) { return false; } };
  const first = (root, s) => { try { return root.querySelector(s); } catch (e) { return null; } };
  const visible = (el) => !!el && el.isConnected && el.getClientRects().length > 0 &&
    getComputedStyle(el).visibility !== 'hidden';
  const text = (el) => (el ? (el.textContent || '') : '').replace(/\s+/g, ' ').trim();
  function root() {
    const sidebar = document.querySelector(P.sidebar);
    if (sidebar) return matches(sidebar, P.sidebar_root) ? sidebar : first(sidebar, P.sidebar_root);
    return document.querySelector(P.sidebar_root);
  }
  const entries = (list) => Array.from(list.children).filter((c) => !matches(c, P.children));
  // The element that says what an entry is, and its kind.
  function classify(entry) {
    const kinds = [['header', P.header], ['item', P.item], ['menu', P.menu]];
    const kindOf = (el) => {
      for (const [kind, s] of kinds) {
        if (matches(el, s) && (kind !== 'item' || el.id)) return kind;
      }
      return null;
    };
    let kind = kindOf(entry);
    if (kind) return { kind, el: entry };
    const walker = document.createTreeWalker(entry, NodeFilter.SHOW_ELEMENT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      kind = kindOf(n);
      if (kind) return { kind, el: n };
    }
    return null;
  }
  function childList(entry, target) {
    const next = entry.nextElementSibling;
    if (next && matches(next, P.children)) return next;
    return first(target, P.children);
  }
  // First match of `s` inside `el` that is not inside the element's own child list.
  function own(el, s, list) {
    let all = [];
    try { all = Array.from(el.querySelectorAll(s)); } catch (e) { return null; }
    return all.find((x) => !list || !list.contains(x)) || null;
  }
  function menuState(entry, target) {
    const list = childList(entry, target);
    const collapsedIcon = own(target, P.collapsed_icon, list);
    const expandedIcon = own(target, P.expanded_icon, list);
    const open = (!!list && visible(list)) || (!!expandedIcon && !collapsedIcon);
    return { list, open };
  }
  function menuTitle(target, list) {
    const t = own(target, P.menu_text, list);
    return text(t || target);
  }
  // Every menu currently in the DOM, depth first: {position, title, open, el}.
  function menus() {
    const out = [];
    const r = root();
    if (!r) return out;
    const stack = [{ list: r, prefix: [] }];
    while (stack.length) {
      const { list, prefix } = stack.pop();
      const found = [];
      entries(list).forEach((entry, i) => {
        const c = classify(entry);
        if (!c || c.kind !== 'menu') return;
        const st = menuState(entry, c.el);
        const position = prefix.concat([i]);
        out.push({ position, title: menuTitle(c.el, st.list), open: st.open, el: c.el });
        if (st.list && prefix.length < P.max_list_depth) found.push({ list: st.list, prefix: position });
      });
      for (let k = found.length - 1; k >= 0; k--) stack.push(found[k]);
    }
    return out;
  }
  // The entry at a position: {kind, el, entry} or null.
  function at(position) {
    let list = root();
    let entry = null;
    let c = null;
    for (let d = 0; d < position.length; d++) {
      if (!list) return null;
      entry = entries(list)[position[d]];
      if (!entry) return null;
      c = classify(entry);
      if (!c) return null;
      if (d < position.length - 1) list = c.kind === 'menu' ? menuState(entry, c.el).list : null;
    }
    return c ? { kind: c.kind, el: c.el, entry } : null;
  }
  function loaderVisible() {
    let els = [];
    try { els = Array.from(document.querySelectorAll(P.loader)); } catch (e) { return false; }
    return els.some(visible);
  }
  // Marks one element so WebDriver can address it with a CSS selector for a real click.
  function mark(el, tag) {
    document.querySelectorAll('[data-wyrm-target]').forEach((x) => x.removeAttribute('data-wyrm-target'));
    el.setAttribute('data-wyrm-target', tag);
    el.scrollIntoView({ block: 'center' });
    return '[data-wyrm-target="' + tag + '"]';
  }
  // A click as a user makes it: on the innermost element at the entry's centre (where a
  // handler may sit), with the pointer and mouse events frameworks listen to, then `click`.
  function click(el) {
    el.scrollIntoView({ block: 'center' });
    const r = el.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    const hit = document.elementFromPoint(x, y);
    const target = hit && el.contains(hit) ? hit : el;
    const opts = { bubbles: true, cancelable: true, composed: true, view: window, clientX: x, clientY: y, button: 0 };
    target.dispatchEvent(new PointerEvent('pointerdown', opts));
    target.dispatchEvent(new MouseEvent('mousedown', opts));
    target.dispatchEvent(new PointerEvent('pointerup', opts));
    target.dispatchEvent(new MouseEvent('mouseup', opts));
    target.click();
  }
  // Resolves when `cond()` is truthy and has stayed so through a quiet period with no DOM
  // mutations under `observed`, or with null at the deadline. Condition-driven, never a sleep.
  function settle(cond, observed, quietMs, timeoutMs) {
    return new Promise((resolve) => {
      const deadline = Date.now() + timeoutMs;
      let last = Date.now();
      const obs = new MutationObserver(() => { last = Date.now(); });
      try { obs.observe(observed || document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true }); } catch (e) { /* detached */ }
      const tick = () => {
        let value = null;
        try { value = cond(); } catch (e) { value = null; }
        const now = Date.now();
        if (value && now - last >= quietMs) { obs.disconnect(); resolve(value); return; }
        if (now > deadline) { obs.disconnect(); resolve(null); return; }
        setTimeout(tick, 10);
      };
      tick();
    });
  }
  return { root, entries, classify, menus, at, menuState, menuTitle, loaderVisible, mark, click, settle, visible, text };
})();
