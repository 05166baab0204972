// What both consoles share: building elements, calling the JSON API with a credential held by the caller, turning
// a problem into a sentence, and a small SVG bar chart. Server text is only ever set as textContent.

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// Calls the API with "Authorization: Bearer <credential()>"; resolves to { ok, status, body } and never throws.
async function callApi(credential, method, path, body, accept) {
  const headers = { Accept: accept || 'application/json' };
  const secret = credential();
  if (secret) headers.Authorization = 'Bearer ' + secret;
  if (body !== undefined && !(body instanceof Blob)) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    return { ok: false, status: 0, body: { detail: 'The service cannot be reached.' } };
  }
  const type = response.headers.get('Content-Type') || '';
  const parsed = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  return { ok: response.ok, status: response.status, body: parsed };
}

function problemText(result) {
  const body = result.body || {};
  if (body.errors) return Object.entries(body.errors).map(([field, messages]) => field + ': ' + messages.join(' ')).join(' ');
  return body.detail || body.title || ('The request failed (' + result.status + ').');
}

// Shows a sentence in a role=status/alert element of the page.
function say(target, text, isError) {
  target.textContent = text;
  target.className = isError ? 'cn-error' : 'cn-ok';
  target.hidden = !text;
}

// Bars with a label under each and an optional horizontal limit line; values are numbers >= 0.
function barChart(title, points, limit) {
  const ns = 'http://www.w3.org/2000/svg';
  const width = 640, height = 220, left = 56, bottom = 28, top = 12;
  const short = (n) => (n >= 1e6 ? +(n / 1e6).toFixed(1) + 'M' : n >= 1e3 ? +(n / 1e3).toFixed(1) + 'k' : String(n));
  const max = Math.max(1, limit || 0, ...points.map((p) => p.value));
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  svg.setAttribute('class', 'cn-chart');
  const add = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  const plot = height - bottom - top;
  const y = (value) => top + plot - (value / max) * plot;
  add('line', { x1: left, y1: top + plot, x2: width, y2: top + plot, class: 'cn-axis' });
  add('text', { x: left - 6, y: top + 10, 'text-anchor': 'end', class: 'cn-tick' }, short(max));
  add('text', { x: left - 6, y: top + plot, 'text-anchor': 'end', class: 'cn-tick' }, '0');
  const slot = (width - left) / Math.max(points.length, 1);
  points.forEach((point, index) => {
    const x = left + index * slot + slot * 0.15;
    // A day with any use keeps a visible sliver even against a large budget.
    const barHeight = point.value > 0 ? Math.max(2, top + plot - y(point.value)) : 0;
    const bar = add('rect', { x, y: top + plot - barHeight, width: slot * 0.7, height: barHeight, class: 'cn-bar' });
    const tip = document.createElementNS(ns, 'title');
    tip.textContent = point.label + ': ' + point.value;
    bar.append(tip);
    add('text', { x: x + slot * 0.35, y: height - 8, 'text-anchor': 'middle', class: 'cn-tick cn-label' }, point.label);
  });
  if (limit) {
    add('line', { x1: left, y1: y(limit), x2: width, y2: y(limit), class: 'cn-limit' });
    add('text', { x: width - 4, y: y(limit) - 4, 'text-anchor': 'end', class: 'cn-tick' }, 'budget ' + short(limit));
  }
  return svg;
}
