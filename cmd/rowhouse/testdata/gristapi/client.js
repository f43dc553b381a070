// Drives the npm grist-api client (GristDocAPI) unchanged against a
// Rowhouse server, as cmd/rowhouse's TestGristAPIClientOnTeamSite runs it.
// Host names under example.com resolve to 127.0.0.1, so that the client
// reaches the team site http://<team>.example.com:<port> as it would a
// real one. It prints one JSON object of what each call answered.
//
// usage: node client.js <server url> <doc id> <api key> <other server url>
'use strict';
const dns = require('dns');
const lookup = dns.lookup;
dns.lookup = function (host, options, callback) {
  if (typeof options === 'function') { callback = options; options = {}; }
  if (/(^|\.)example\.com$/.test(host)) {
    if (options && options.all) { return process.nextTick(callback, null, [{address: '127.0.0.1', family: 4}]); }
    return process.nextTick(callback, null, '127.0.0.1', 4);
  }
  return lookup.call(dns, host, options, callback);
};
const {GristDocAPI} = require('grist-api');

async function main() {
  const [server, docId, apiKey, otherServer] = process.argv.slice(2);
  const api = new GristDocAPI(docId, {server, apiKey});
  const out = {};
  out.added = await api.addRecords('Items', [{Name: 'Washer', qty: 10}, {Name: 'Spring', qty: 0}]);
  await api.updateRecords('Items', [{id: out.added[1], qty: 7}]);
  await api.syncTable('Items', [{Name: 'Bolt', qty: 40}, {Name: 'Rivet', qty: 3}], ['Name']);
  out.all = (await api.fetchTable('Items')).map(r => ({id: r.id, Name: r.Name, qty: r.qty}));
  await api.deleteRecords('Items', [out.added[0]]);
  out.filtered = (await api.fetchTable('Items', {Name: ['Bolt', 'Washer']})).map(r => ({Name: r.Name, qty: r.qty}));
  out.sql = (await api._docCall('sql?q=' + encodeURIComponent('select Name from Items where Items.qty > 5 order by Name'))).records;
  // The same document through another team's site is not found.
  try {
    await new GristDocAPI(docId, {server: otherServer, apiKey}).fetchTable('Items');
    out.otherSite = 'reachable';
  } catch (e) {
    out.otherSite = e.message;
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch(e => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
