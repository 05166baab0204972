// The operator console's read-only views: usage across tenants (GET /api/admin/usage/daily, all tenants or one) and
// cluster health (readiness, and every silo from GET /api/admin/cluster/silos). operatorViews(api, tenants, reload,
// report) returns the loaders operator.js calls when a section opens; tenants() is the list the console holds and
// reload() fetches it again.

function operatorViews(api, tenants, reload, report) {
  const $ = (id) => document.getElementById(id);
  const day = (d) => d.toISOString().slice(0, 10);
  const stamp = (iso) => el('time', { datetime: iso, text: new Date(iso).toLocaleString() });

  function fillTenantChoice() {
    const chosen = $('usage-tenant').value;
    const options = tenants().slice().sort((a, b) => a.domain.localeCompare(b.domain))
      .map((t) => el('option', { value: t.id, text: t.name + ' (' + t.domain + ')', selected: t.id === chosen }));
    $('usage-tenant').replaceChildren(el('option', { value: '', text: 'all tenants' }), ...options);
  }

  async function loadUsage() {
    await reload();
    fillTenantChoice();
    const days = Number($('usage-days').value);
    const to = new Date();
    const from = new Date(to.getTime() - (days - 1) * 86400000);
    const tenant = $('usage-tenant').value;
    const result = await api('GET', '/api/admin/usage/daily?from=' + day(from) + '&to=' + day(to) + (tenant ? '&tenant_id=' + tenant : ''));
    if (!result.ok) return report(problemText(result), true);
    const rows = result.body.items;
    const total = (name) => rows.reduce((sum, row) => sum + Number(row[name]), 0);
    const figures = [['Tokens', total('tokens')], ['Calls', total('calls')], ['Cost (USD)', total('cost_usd').toFixed(4)]];
    $('usage-figures').replaceChildren(...figures.map(([name, value]) => el('div', {}, el('dt', { text: name }), el('dd', { text: String(value) }))));
    const byDate = new Map();
    for (let d = new Date(from); day(d) <= day(to); d = new Date(d.getTime() + 86400000)) byDate.set(day(d), 0);
    for (const row of rows) byDate.set(row.date, (byDate.get(row.date) || 0) + row.tokens);
    const title = 'Tokens per day, ' + (tenant ? $('usage-tenant').selectedOptions[0].textContent : 'all tenants');
    $('usage-chart').replaceChildren(barChart(title, [...byDate].map(([date, tokens]) => ({ label: date.slice(5), value: tokens }))));
    $('usage-rows').replaceChildren(...(rows.length ? rows.map((row) => el('tr', {},
      el('td', {}, el('time', { datetime: row.date, text: row.date })), el('td', { text: row.model }),
      el('td', { class: 'cn-num', text: String(row.calls) }), el('td', { class: 'cn-num', text: String(row.tokens) }),
      el('td', { class: 'cn-num', text: Number(row.cost_usd).toFixed(4) })))
      : [el('tr', {}, el('td', { colspan: '5', text: 'No use in these days.' }))]));
    fillByTenant(!tenant);
  }

  // The heaviest users of their budget period, from the tenant list the console holds (no call per tenant).
  function fillByTenant(shown) {
    $('by-tenant-box').hidden = !shown;
    if (!shown) return;
    const top = tenants().slice().sort((a, b) => b.tokens_used - a.tokens_used || a.domain.localeCompare(b.domain)).slice(0, 20);
    $('by-tenant-rows').replaceChildren(...top.map((t) => el('tr', { 'data-domain': t.domain },
      el('td', { text: t.name }), el('td', { text: t.domain }),
      el('td', { class: 'cn-num', text: String(t.tokens_used) }),
      el('td', { class: 'cn-num', text: t.token_limit > 0 ? (100 * t.tokens_used / t.token_limit).toFixed(1) + ' %' : '' }),
      el('td', { class: 'cn-num', text: String(t.calls) }),
      el('td', {}, el('button', { type: 'button', text: 'Per day', 'aria-label': 'Usage per day of ' + t.domain, onclick: () => { $('usage-tenant').value = t.id; loadUsage(); } })))));
  }

  async function loadHealth() {
    let readiness;
    try {
      const response = await fetch('/health/ready');
      readiness = (await response.text()) || (response.ok ? 'Healthy' : 'Unhealthy');
    } catch {
      readiness = 'unreachable';
    }
    $('readiness').textContent = readiness;
    const result = await api('GET', '/api/admin/cluster/silos');
    if (!result.ok) {
      $('silo-count').textContent = 'Silos: unknown';
      return report(problemText(result), true);
    }
    const silos = result.body.items;
    $('silo-count').textContent = silos.filter((s) => s.status === 'active').length + ' of ' + silos.length + ' silos active';
    $('silo-rows').replaceChildren(...silos.map((s) => el('tr', { 'data-status': s.status },
      el('td', { text: s.name }), el('td', { text: s.address }), el('td', { text: s.host_name }),
      el('td', {}, el('span', { class: 'cn-badge cn-' + s.status, text: s.status })),
      el('td', {}, stamp(s.started_at)), el('td', {}, stamp(s.last_alive_at)))));
  }

  $('usage-form').addEventListener('submit', (event) => event.preventDefault());
  $('usage-tenant').addEventListener('change', loadUsage);
  $('usage-days').addEventListener('change', loadUsage);
  return { loadUsage, loadHealth };
}
