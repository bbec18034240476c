#version 330 core
// Face mesh vertex shader. Inputs follow glTF attribute names; lighting happens in view space.
// Defines injected by program.py: PART_COUNT, PART_SKIN, PART_EYES, LIGHT_COUNT.
// With INTERACTIVE defined (frames drawn while something moves) it also lights the vertex
// (face_lighting.glsl, the same lights and materials as face.frag.glsl's per-pixel lighting,
// without shadows, detail maps or transmission) for both sides of the surface.

uniform mat4 u_view;          // world -> view (rigid)
uniform mat4 u_projection;    // view -> clip
uniform mat4 u_shadow_matrix; // world -> key light clip (orthographic)
uniform float u_shadow_normal_offset;  // metres along the normal (shadow acne)

in vec3 in_position;
in vec3 in_normal;
in vec2 in_texcoord_0;
in uint in_part_id;
in vec3 in_surface;  // (ambient occlusion, LUT curvature, wet lid margin)

out vec3 v_position;   // view space
out vec3 v_normal;     // view space, not normalised
out vec2 v_texcoord;
out vec3 v_surface;
out vec3 v_shadow;     // key light NDC mapped to [0, 1]
flat out uint v_part_id;

#ifdef INTERACTIVE
#include "face_lighting.glsl"

out vec3 v_front_diffuse;   // irradiance (times the albedo in the fragment shader)
out vec3 v_front_specular;  // specular and reflected radiance
out vec3 v_back_diffuse;    // the same with the normal flipped (back faces seen)
out vec3 v_back_specular;

// The light on one side of the surface (unit normal ``n``, view direction ``v``).
void light_vertex(vec3 n, vec3 v, uint part, out vec3 diffuse_out, out vec3 specular_out) {
    vec4 material = u_material[part];
    float ao = clamp(in_surface.x, 0.0, 1.0);
    float curvature = clamp(in_surface.y, 0.0, 1.0);
    float wet = part == uint(PART_SKIN) ? clamp(in_surface.z, 0.0, 1.0) : 0.0;
    float roughness = clamp(mix(material.x, 0.1, wet), 0.05, 1.0);
    float f0 = mix(material.y, 0.02, wet);
    float alpha = roughness * roughness;
    float nv = max(dot(n, v), 1e-3);
    vec3 diffuse = vec3(0.0);
    vec3 specular = vec3(0.0);
    for (int i = 0; i < LIGHT_COUNT; ++i) {
        direct_light(u_light_direction[i], u_light_colour[i], vec3(1.0), n, n, v, nv, alpha, f0,
                     material.z, curvature, diffuse, specular);
    }
    float glossy = 1.0 - smoothstep(0.08, 0.3, roughness);
    float fresnel_v = f0 + (1.0 - f0) * pow(1.0 - nv, 5.0);
    float crease = mix(1.0, ao, 0.35);
    vec3 tint = mix(vec3(1.0), vec3(1.0, 0.78, 0.8), 0.6 * wet);  // the wet lid margin
    diffuse_out = tint * (diffuse * crease + sh_irradiance(n) * ao);
    specular_out = specular * crease
        + sh_irradiance(reflect(-v, n)) * fresnel_v * mix(0.3, 1.0, glossy) * ao;
}
#endif

void main() {
    vec4 position = u_view * vec4(in_position, 1.0);
    v_position = position.xyz;
    v_normal = mat3(u_view) * in_normal;
    v_texcoord = in_texcoord_0;
    v_part_id = in_part_id;
    v_surface = in_surface;
    vec4 light = u_shadow_matrix * vec4(in_position + in_normal * u_shadow_normal_offset, 1.0);
    v_shadow = light.xyz * 0.5 + 0.5;
    gl_Position = u_projection * position;
#ifdef INTERACTIVE
    uint part = min(in_part_id, uint(PART_COUNT - 1));
    vec3 n = normalize(v_normal);
    vec3 v = normalize(-position.xyz);
    light_vertex(n, v, part, v_front_diffuse, v_front_specular);
    light_vertex(-n, v, part, v_back_diffuse, v_back_specular);
#endif
}
