// The asset register's console pages clicked through in Debian's Chromium (playwright-core).
// tests/integration/asset.sh sets the stage: a running mamorid over an instance with the
// test's 台帳, a carry request of JUKI-DATA waiting, an asset whose name is markup. Prints TAP
// lines numbered from --start and writes "N FAILED" to --count-file; screenshots to --shots.
//
// The flow: a staff member of 市民課 signs in (first sign-in: password change) and sees only
// their unit's assets, searches and filters, pages through, opens an asset (label,
// restrictions, history), and requests to carry it; the section manager signs in with TOTP,
// finds both requests under 承認, cannot approve their own, approves the staff member's.
import { chromium } from 'playwright-core';
import { arg, counts, tap, totp } from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const L = arg('lgwan');
const PW = arg('password');
const shots = arg('shots');
const unitTotal = Number(arg('unit-total'));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
});
let dialogs = 0;

async function signIn(user) {
  const ctx = await browser.newContext({ locale: 'ja-JP' });
  const page = await ctx.newPage();
  page.on('dialog', async (d) => {
    dialogs += 1;
    await d.dismiss();
  });
  await page.goto(L + '/login');
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', PW);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  if (page.url().endsWith('/login/totp')) {
    await page.fill('input[name=code]', totp(user));
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  }
  if (page.url().endsWith('/password')) {
    await page.fill('input[name=current]', PW);
    await page.fill('input[name=new]', user + ' no atarashii pw');
    await page.fill('input[name=again]', user + ' no atarashii pw');
    await Promise.all([page.waitForNavigation(), page.click('main button[type=submit]')]);
  }
  return { ctx, page };
}

const shot = (page, name) => page.screenshot({ path: join(shots, name + '.png'), fullPage: true });
const go = (page, action) => Promise.all([page.waitForNavigation(), action]);

try {
  // ---- a staff member of 市民課 ----------------------------------------------------------------
  const s = await signIn('shokuin');
  await go(s.page, s.page.click('header a[href="/assets"]'));
  const total = Number((await s.page.textContent('#asset-total')).match(/\d+/)[0]);
  tap(total === unitTotal, `the register shows the unit's ${unitTotal} assets in use, no more`, `shown ${total}`);
  const units = await s.page.$$eval('#assets tr td:nth-child(4)', (tds) => [...new Set(tds.map((t) => t.textContent))]);
  tap(units.length === 1 && units[0] === '市民課', 'every row is of 市民課', units.join(','));
  tap((await s.page.locator('#assets tr').count()) === 51, 'one page holds 50 assets');
  await shot(s.page, '20-assets');
  await go(s.page, s.page.click('a[rel=next]'));
  tap(s.page.url().includes('page=1') && (await s.page.locator('#assets tr').count()) > 1,
    'the next page lists further assets', s.page.url());

  // hostile name shown as text, no script ran
  await s.page.goto(L + '/assets?q=' + encodeURIComponent('<script>'));
  const cell = await s.page.textContent('#assets');
  tap(cell.includes('<script>alert(1)</script>') && (await s.page.locator('main img, main script').count()) === 0 && dialogs === 0,
    'a name with markup is shown as its text; no script ran', cell.slice(0, 200));

  // search and filters
  await s.page.fill('input[name=q]', '住民記録');
  await s.page.fill('input[name=q]', '住民記録');
  await s.page.selectOption('select[name=conf]', '3B');
  await go(s.page, s.page.click('#asset-filters button[type=submit]'));
  const found = await s.page.textContent('#assets');
  tap(found.includes('JUKI-DATA') && (await s.page.locator('#assets tr').count()) === 2,
    'search by name with the 3B filter finds exactly JUKI-DATA', found.slice(0, 200));
  await s.page.goto(L + '/assets?unit=shimin-zeimu');
  tap((await s.page.textContent('#asset-total')).startsWith('0'), "another unit's assets cannot be listed");
  const other = await s.page.goto(L + '/assets/a/OLD-00002');
  tap(other.status() === 404, "another unit's asset page is not shown (404)", String(other.status()));

  // one asset
  await s.page.goto(L + '/assets/a/JUKI-DATA');
  const label = await s.page.textContent('#asset-label');
  tap(label.trim() === '機密性3B 完全性2 可用性2', 'the asset page shows its label', label);
  const restr = await s.page.textContent('#restrictions');
  tap(restr.includes('支給以外の端末での作業禁止') && restr.includes('指定時間以内の復旧'),
    'the handling restrictions of its class are listed', restr);
  const hist = await s.page.textContent('#history');
  tap(hist.includes('特定個人情報を含まないと確認'), 'the classification history shows the reason', hist.slice(0, 300));
  await shot(s.page, '21-asset');
  await s.page.selectOption('#event-form select[name=kind]', 'carry');
  await s.page.fill('#event-form input[name=purpose]', '監査のため会議室へ');
  await go(s.page, s.page.click('#event-form button[type=submit]'));
  tap((await s.page.textContent('main')).includes('承認を待っています') &&
      (await s.page.textContent('#events')).includes('承認待ち'), 'carrying it is requested and waits for approval',
    (await s.page.textContent('main')).slice(0, 200));
  await s.page.goto(L + '/risks');
  tap((await s.page.textContent('#risks')).includes('不正アクセス'), 'the risk register lists the risk of unauthorized access');
  await shot(s.page, '22-risks');

  // ---- the section manager ------------------------------------------------------------------
  const k = await signIn('kacho');
  await go(k.page, k.page.click('header a[href="/approvals"]'));
  const waiting = await k.page.textContent('#asset-approvals');
  tap(waiting.includes('監査のため会議室へ') && waiting.includes('ブラウザから承認'),
    "the manager sees the staff member's requests under 承認", waiting.slice(0, 300));
  tap(!waiting.includes('自分で'), "the manager's own request is not offered to them");
  await shot(k.page, '23-asset-approvals');
  const row = k.page.locator('#asset-approvals tr', { hasText: 'ブラウザから承認' });
  await go(k.page, row.locator('button', { hasText: '承認' }).first().click());
  tap((await k.page.textContent('main')).includes('記録しました'), 'the approval is recorded',
    (await k.page.textContent('main')).slice(0, 200));
  // the manager's own request, approved by a hand-made POST: the server refuses it
  await k.page.goto(L + '/assets/a/JUKI-DATA');
  const ownId = (await k.page.locator('#events tr', { hasText: '自分で' }).locator('td').first().textContent()).trim();
  const forged = await k.page.evaluate(async (id) => {
    const csrf = document.querySelector('input[name=csrf]').value;
    const r = await fetch(`/asset-events/${id}/approve`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'csrf=' + encodeURIComponent(csrf),
    });
    return { status: r.status, text: await r.text() };
  }, ownId);
  tap(forged.status === 403 && forged.text.includes('兼務の禁止'),
    'approving their own request by a hand-made POST is refused (403, 兼務の禁止)', `${forged.status}`);
  const api = await k.page.evaluate(() => fetch('/api/v1/assets?conf=3B&q=JUKI').then((r) => r.json()));
  tap(api.total >= 1 && api.assets.some((a) => a.id === 'JUKI-DATA' && a.label === '機密性3B 完全性2 可用性2'),
    'the JSON API lists the asset with its label', JSON.stringify(api).slice(0, 200));
} catch (e) {
  tap(false, 'the browser flow ran without an exception', e.stack || String(e));
} finally {
  await browser.close();
  writeFileSync(arg('count-file'), `${counts.n} ${counts.failed}\n`);
}
