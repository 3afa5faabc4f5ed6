/** The middle value of `xs` (the upper one of an even count): the figure every bench reports. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
