// @ts-check
// The built-in sample: a few thousand plausible connections for a demo with no file at hand.
//
// Deterministic (a seeded PRNG), in NSL-KDD's columns with a `label` column: ordinary traffic,
// three SYN-flood bursts, a few port-sweep rows (another attack, reported apart), three rows the
// scorer rejects and one service the model never saw. The column names and their order come from
// the model card, so this file holds no second list of the features.

const SEED = 20240611;
const NORMAL_ROWS = 2600;
// Where the floods start (in rows of ordinary traffic) and how many rows each lasts.
const FLOOD_BURSTS = [
  { at: 9, rows: 60 },
  { at: 700, rows: 300 },
  { at: 1500, rows: 380 },
  { at: 2200, rows: 260 },
];

/** The sample as a File, to go through the very path a chosen file takes. */
export function sampleFile(features) {
  const random = mulberry32(SEED);
  const g = generators(random);
  const rows = [];
  // Ordinary traffic with the floods arriving in bursts, and a port sweep now and then.
  for (let i = 0; i < NORMAL_ROWS; i++) {
    const burst = FLOOD_BURSTS.find((b) => b.at === i);
    for (let k = 0; k < (burst?.rows ?? 0); k++) rows.push(g.neptune());
    if (i % 200 === 111) rows.push(g.portsweep());
    rows.push(g.normal());
  }
  const lines = rows.map((row) => line(features, row));
  // Rows a person should hear about: rejected with a reason, or scored despite an unknown name.
  lines.splice(140, 0, line(features, { ...g.normal(), src_bytes: '12kB' }));
  lines.splice(905, 0, line(features, g.normal()).split(',').slice(0, 20).join(','));
  lines.splice(1733, 0, line(features, { ...g.normal(), serror_rate: '1.7' }));
  lines.splice(2417, 0, line(features, { ...g.dns(), service: 'quic' }));
  const csv = [[...features, 'label'].join(','), ...lines].join('\n') + '\n';
  return new File([csv], 'sample.csv', { type: 'text/csv' });
}

function line(features, row) {
  for (const key of Object.keys(row)) {
    if (key !== 'label' && !features.includes(key)) throw new Error(`the sample sets an unknown column ${key}`);
  }
  return [...features.map((f) => row[f] ?? 0), row.label].join(',');
}

function generators(random) {
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = (items) => items[Math.floor(random() * items.length)];
  const rate = (lo, hi) => (lo + random() * (hi - lo)).toFixed(2);
  // Sizes spread over orders of magnitude, as byte counts are.
  const bytes = (lo, hi) => Math.round(Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo))));

  const web = () => {
    const count = int(1, 18);
    return {
      protocol_type: 'tcp', service: 'http', flag: 'SF', label: 'normal',
      src_bytes: int(180, 340), dst_bytes: bytes(250, 40000), logged_in: 1,
      count, srv_count: count + int(0, 14), same_srv_rate: '1.00',
      srv_diff_host_rate: rate(0, 0.3), dst_host_count: int(8, 255), dst_host_srv_count: 255,
      dst_host_same_srv_rate: '1.00', dst_host_same_src_port_rate: rate(0, 0.05),
      dst_host_srv_diff_host_rate: rate(0, 0.05),
    };
  };
  const dns = () => {
    const count = int(60, 240);
    return {
      protocol_type: 'udp', service: 'domain_u', flag: 'SF', label: 'normal',
      src_bytes: int(28, 48), dst_bytes: int(40, 190), count, srv_count: count - int(0, 3),
      same_srv_rate: '1.00', dst_host_count: 255, dst_host_srv_count: int(200, 255),
      dst_host_same_srv_rate: rate(0.85, 1), dst_host_diff_srv_rate: '0.01',
      dst_host_same_src_port_rate: rate(0, 0.02),
    };
  };
  const mail = () => ({
    protocol_type: 'tcp', service: 'smtp', flag: 'SF', label: 'normal',
    src_bytes: int(400, 3000), dst_bytes: int(300, 450), logged_in: 1, count: int(1, 3),
    srv_count: int(1, 3), same_srv_rate: '1.00', dst_host_count: int(50, 255),
    dst_host_srv_count: int(60, 200), dst_host_same_srv_rate: rate(0.3, 0.8),
    dst_host_diff_srv_rate: rate(0.01, 0.05), dst_host_same_src_port_rate: rate(0, 0.02),
  });
  const transfer = () => ({
    protocol_type: 'tcp', service: 'ftp_data', flag: 'SF', label: 'normal',
    src_bytes: bytes(200, 300000), logged_in: 1, count: int(1, 5), srv_count: int(1, 8),
    same_srv_rate: '1.00', dst_host_count: int(1, 150), dst_host_srv_count: int(1, 80),
    dst_host_same_srv_rate: rate(0.2, 1), dst_host_same_src_port_rate: rate(0.1, 1),
  });
  const shell = () => ({
    protocol_type: 'tcp', service: pick(['telnet', 'ssh', 'ftp']), flag: 'SF', label: 'normal',
    duration: int(5, 2400), src_bytes: int(100, 3000), dst_bytes: bytes(500, 20000),
    logged_in: 1, hot: int(0, 3), count: 1, srv_count: 1, same_srv_rate: '1.00',
    dst_host_count: int(1, 255), dst_host_srv_count: int(1, 60), dst_host_same_srv_rate: rate(0.1, 1),
    dst_host_diff_srv_rate: rate(0, 0.05),
  });
  const ping = () => ({
    protocol_type: 'icmp', service: 'eco_i', flag: 'SF', label: 'normal',
    src_bytes: int(8, 20), count: int(1, 3), srv_count: int(1, 3), same_srv_rate: '1.00',
    srv_diff_host_rate: '1.00', dst_host_count: int(1, 40), dst_host_srv_count: int(1, 40),
    dst_host_same_srv_rate: '1.00', dst_host_same_src_port_rate: '1.00',
  });
  const normal = () => {
    const r = random();
    if (r < 0.55) return web();
    if (r < 0.72) return dns();
    if (r < 0.83) return mail();
    if (r < 0.92) return transfer();
    if (r < 0.97) return shell();
    return ping();
  };

  const neptune = () => {
    const refused = random() < 0.15;
    const count = int(100, 290);
    const srvCount = int(1, 24);
    const errors = refused
      ? { rerror_rate: '1.00', srv_rerror_rate: '1.00', dst_host_rerror_rate: '1.00', dst_host_srv_rerror_rate: '1.00' }
      : { serror_rate: '1.00', srv_serror_rate: '1.00', dst_host_serror_rate: '1.00', dst_host_srv_serror_rate: '1.00' };
    return {
      protocol_type: 'tcp',
      service: random() < 0.4 ? 'private' : pick(['telnet', 'http', 'finger', 'Z39_50', 'uucp', 'courier', 'smtp', 'bgp', 'imap4', 'ftp_data']),
      flag: refused ? 'REJ' : 'S0', label: 'neptune',
      count, srv_count: srvCount, ...errors,
      same_srv_rate: (srvCount / count).toFixed(2), diff_srv_rate: rate(0.05, 0.08),
      dst_host_count: 255, dst_host_srv_count: int(1, 24), dst_host_same_srv_rate: rate(0.01, 0.1),
      dst_host_diff_srv_rate: rate(0.05, 0.08),
    };
  };

  const portsweep = () => ({
    protocol_type: 'tcp', service: 'private', flag: pick(['REJ', 'RSTR']), label: 'portsweep',
    duration: pick([0, 0, int(1, 3000)]), count: int(1, 2), srv_count: 1,
    rerror_rate: rate(0.5, 1), srv_rerror_rate: '1.00', same_srv_rate: rate(0.5, 1),
    diff_srv_rate: rate(0, 1), dst_host_count: int(1, 30), dst_host_srv_count: int(1, 5),
    dst_host_same_srv_rate: rate(0.5, 1), dst_host_diff_srv_rate: rate(0, 0.5),
    dst_host_same_src_port_rate: '1.00', dst_host_rerror_rate: rate(0.5, 1),
    dst_host_srv_rerror_rate: '1.00',
  });

  return { normal, dns, neptune, portsweep };
}

/** conn.log's fields, as Zeek writes them (the scorer reads them by name). */
const CONN_FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration',
  'orig_bytes', 'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history',
  'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents',
];

/**
 * A Zeek conn.log (tab-separated, with its `#` header) of `rows` deterministic connections:
 * ordinary ones, half-open SYNs to one server, rejected ones, in start order with a few late.
 * Not a demo: the workers score it after saying ready (see worker.js) so that the conn.log path
 * is compiled to optimized code before a person drops a log.
 */
export function sampleConnLog(rows) {
  const random = mulberry32(SEED);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const lines = [
    '#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tconn',
    `#fields\t${CONN_FIELDS.join('\t')}`,
  ];
  let ts = 1718937548;
  for (let i = 0; i < rows; i++) {
    ts += random() * 0.05;
    const kind = random();
    const late = random() < 0.1 ? -random() * 3 : 0;
    const [proto, state, service, history] =
      kind < 0.3 ? ['tcp', 'S0', '-', 'S'] : kind < 0.4 ? ['tcp', 'REJ', '-', 'Sr'] :
        kind < 0.9 ? ['tcp', 'SF', pick(['http', 'ssl', '-']), 'ShADadfF'] : ['udp', 'SF', 'dns', 'Dd'];
    const open = state !== 'S0' && state !== 'REJ';
    const bytes = open ? [Math.floor(random() * 2000), Math.floor(random() * 90000)] : ['-', '-'];
    lines.push([
      (ts + late).toFixed(6), `C${i.toString(36)}`, `10.0.${Math.floor(random() * 4)}.${1 + Math.floor(random() * 250)}`,
      1024 + Math.floor(random() * 60000), `192.168.1.${1 + Math.floor(random() * 8)}`,
      proto === 'udp' ? 53 : pick([80, 443, 502, 8080, 22]), proto, service,
      open ? (random() * 5).toFixed(6) : '-', ...bytes, state, 'T', 'T', 0, history,
      1 + Math.floor(random() * 20), 40 + Math.floor(random() * 5000), Math.floor(random() * 20),
      Math.floor(random() * 90000), '(empty)',
    ].join('\t'));
  }
  return new TextEncoder().encode(lines.join('\n') + '\n');
}

/** A small, fast, seedable PRNG (public domain, by Tommy Ettinger). */
function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
