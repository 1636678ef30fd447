/** The health feature's public face: its routes. */
export { healthRoutes } from "./health.routes";
