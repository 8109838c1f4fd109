// `tailmatrix plan`: the cells a matrix makes, and the GitHub Actions job matrix over them.
export { githubMatrix, planCells } from '../cells/plan.js';
