import { DockerfileParser } from 'dockerfile-ast';
import fs from 'node:fs';
const text = fs.readFileSync(process.argv[2], 'utf8');
const df = DockerfileParser.parse(text);
console.log('escape', JSON.stringify(df.getEscapeCharacter()), 'directives', df.getDirectives().map(d=>[d.getName(), d.getValue()]));
for (const c of df.getComments()) console.log('comment', c.getRange().start.line+1, JSON.stringify(c.getContent()));
for (const i of df.getInstructions()) {
  const r = i.getRange();
  console.log(`${r.start.line+1}-${r.end.line+1} ${i.getKeyword()} kw=${i.getInstruction()} args=${JSON.stringify(i.getArguments().map(a=>a.getValue()))}`);
  if (i.getFlags) console.log('   flags', JSON.stringify(i.getFlags().map(f=>[f.getName(), f.getValue()])));
  if (i.getHeredocs) console.log('   heredocs', JSON.stringify(i.getHeredocs().map(h=>({n:h.getName(), c:h.getContentRange() && [h.getContentRange().start.line+1,h.getContentRange().end.line+1], d:h.getDelimiterRange()&&h.getDelimiterRange().start.line+1}))));
  if (i.getImage) console.log('   from', i.getImage(), i.getImageName(), i.getImageTag(), i.getImageDigest(), i.getBuildStage());
}
