// Guest scripts are kept as real files (shell, Perl) and bundled as text by esbuild (esbuild.mjs).
declare module '*.sh' {
  const text: string;
  export default text;
}
declare module '*.pl' {
  const text: string;
  export default text;
}
