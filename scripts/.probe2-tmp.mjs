import { DockerfileParser } from 'dockerfile-ast';
for (const text of process.argv.slice(2)) {
const df = DockerfileParser.parse(text);
for (const i of df.getInstructions()) {
  console.log(i.getKeyword(), JSON.stringify(i.getArguments().map(a=>a.getValue())));
  if (i.getFlags) console.log('  flags', JSON.stringify(i.getFlags().map(f=>[f.getName(), f.getValue(), f.getRange().end.character])));
  if (i.getProperties) console.log('  props', JSON.stringify(i.getProperties().map(p=>[p.getName(), p.getValue(), p.getUnescapedValue()])));
  if (i.getImage) console.log('  from', JSON.stringify([i.getImage(), i.getBuildStage(), i.getArguments().length]));
  if (i.getTriggerInstruction) { const t = i.getTriggerInstruction(); console.log('  trigger', t && t.getKeyword(), t && t.getFlags && JSON.stringify(t.getFlags().map(f=>[f.getName(), f.getValue()]))); }
}}
