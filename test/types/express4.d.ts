/** Express 4, installed under the alias `express4` beside Express 5; it shares Express's types. */
declare module 'express4' {
  import express from 'express';
  export default express;
}
