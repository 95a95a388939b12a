/**
 * zod/mini loads no locale: without one every issue reads "Invalid input". English only
 * (the locale classic zod installs), imported by path so the other locales stay out of the bundle.
 */
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";

z.config(en());
