// bench/zongji.js - bench/run.sh's Node.js peer: @vlasky/zongji streams the
// binlog from FILE:POS and counts the rows of every write/update/delete
// rows event (an update row counts once, as in meepo) until ROWS rows have
// arrived, then stops. Values are decoded with zongji's defaults (DECIMAL as
// strings, JSON parsed, DATETIME as Date).
//
// Usage: node bench/zongji.js HOST PORT USER FILE POS ROWS
//        (password in $MEEPO_PASSWORD)
// Prints: rows=R seconds=S (from start() to the last row)
import ZongJi from '@vlasky/zongji';

const [host, port, user, filename, position, rowsArg] = process.argv.slice(2);
if (rowsArg === undefined) {
  console.error('usage: node zongji.js HOST PORT USER FILE POS ROWS (password in $MEEPO_PASSWORD)');
  process.exit(2);
}
const want = Number(rowsArg);
const zongji = new ZongJi({
  host,
  port: Number(port),
  user,
  password: process.env.MEEPO_PASSWORD,
});
let rows = 0;
const t0 = process.hrtime.bigint();

zongji.on('error', (err) => {
  console.error(`zongji: ${err.message}`);
  process.exit(1);
});
zongji.on('binlog', (evt) => {
  if (evt.rows === undefined) {
    return;
  }
  rows += evt.rows.length;
  if (rows >= want) {
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`rows=${rows} seconds=${seconds.toFixed(3)}`);
    zongji.stop();
    process.exit(0);
  }
});
zongji.start({
  serverId: 4244,
  filename,
  position: Number(position),
  includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows'],
});
