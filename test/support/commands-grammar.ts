// A small command grammar for decoder tests: two command families and a fixed question.

export const COMMANDS_JSGF = `#JSGF V1.0;
grammar commands;
public <switch> = (turn | switch) (on | off) the <device> [in the <room>];
public <heat> = set the <room> temperature to <number> degrees;
public <time> = what time is it;
<device> = light | lights | fan | radio | heater;
<room> = kitchen | bedroom | living room | hall;
<number> = one | two | three | four | five | six | seven | eight | nine | ten | twenty;
`;
