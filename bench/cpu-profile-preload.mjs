// Preloaded with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there): records a V8 CPU profile of the whole
// process and writes it to $CAIRN_CPU_PROFILE_DIR/<pid>.cpuprofile when the process exits, as --cpu-prof would.
// An in-thread inspector session answers synchronously, so the profile can be taken in the 'exit' handler.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.CAIRN_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
